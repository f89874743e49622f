#!/usr/bin/env node
// A charge point driven by the third-party npm `ocpp-rpc` RPCClient in strict mode.
//
// ocpp-rpc validates every outbound call and every inbound response (and every inbound
// call and outbound response) against its own copy of the OCPP JSON schemas, so this is an
// independent check that our server only sends schema-valid payloads.
//
// Usage:
//   node ocpp_rpc_charger.mjs --url ws://127.0.0.1:PORT/OCPP --id CP1 --version 1.6|2.0.1 \
//        --tag TAG [--password PW] [--timeout 20]
//
// Output (stdout): one JSON line per step {"step": ..., "request": ..., "response": ...},
// then one final line {"summary": {...}}. Exit 0 on success; on failure a message on
// stderr, a summary with ok=false on stdout, and a non-zero exit code.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import ocppRpc from 'ocpp-rpc';

const { RPCClient, createRPCError } = ocppRpc;

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_TIMEOUT = 3;

function usage(msg) {
    process.stderr.write(`error: ${msg}\n`);
    process.stderr.write(
        'usage: node ocpp_rpc_charger.mjs --url ws://HOST:PORT/OCPP --id CP_ID ' +
        '--version 1.6|2.0.1 --tag TAG [--password PW] [--timeout SECONDS]\n');
    process.exit(EXIT_USAGE);
}

let args;
try {
    ({ values: args } = parseArgs({
        options: {
            url: { type: 'string' },
            id: { type: 'string' },
            version: { type: 'string' },
            tag: { type: 'string' },
            password: { type: 'string' },
            timeout: { type: 'string', default: '20' },
        },
        strict: true,
    }));
} catch (err) {
    usage(err.message);
}
for (const required of ['url', 'id', 'version', 'tag']) {
    if (!args[required]) usage(`--${required} is required`);
}
const PROTOCOLS = { '1.6': 'ocpp1.6', '2.0.1': 'ocpp2.0.1' };
if (!(args.version in PROTOCOLS)) usage(`--version must be 1.6 or 2.0.1, got ${args.version}`);
const timeoutS = Number(args.timeout);
if (!(timeoutS > 0)) usage(`--timeout must be a positive number, got ${args.timeout}`);

const version = args.version;
const protocol = PROTOCOLS[version];
const now = () => new Date().toISOString();

const summary = {
    ok: false,
    chargePointId: args.id,
    version,
    protocol: null,
    bootStatus: null,
    heartbeatTime: null,
    authorizeStatus: null,
    transactionId: null,
    transactionStartStatus: null,
    meterStart: 1000,
    meterStop: 2500,
    serverCalls: [],
    strictValidationFailures: [],
    error: null,
};

function emit(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
}

let client;
let finished = false;

async function finish(code, error) {
    if (finished) return;
    finished = true;
    if (error) {
        summary.error = error;
        process.stderr.write(`ocpp-rpc charger ${args.id} (${version}) FAILED: ${error}\n`);
        if (summary.strictValidationFailures.length) {
            process.stderr.write(
                `strict validation failures: ${JSON.stringify(summary.strictValidationFailures)}\n`);
        }
    }
    summary.ok = code === 0;
    emit({ summary });
    if (client) {
        // Close cleanly, but never let closing hold up the exit (best effort, 1 s).
        const closing = client.close({ code: 1000, reason: code === 0 ? 'done' : 'test failed' })
            .catch(() => {});
        await Promise.race([closing, new Promise(r => setTimeout(r, 1000))]);
    }
    process.exit(code);
}

const overallTimer = setTimeout(() => {
    finish(EXIT_TIMEOUT, `timed out after ${timeoutS}s (last step: ${lastStep ?? 'connect'})`);
}, timeoutS * 1000);

let lastStep = null;

async function step(name, method, params) {
    lastStep = name;
    let response;
    try {
        response = await client.call(method, params);
    } catch (err) {
        const code = err.rpcErrorCode ? ` [${err.rpcErrorCode}]` : '';
        const details = err.details && Object.keys(err.details).length
            ? ` details=${JSON.stringify(err.details)}` : '';
        throw new Error(`${name}: ${method} failed${code}: ${err.message}${details}`);
    }
    emit({ step: name, request: params, response });
    return response;
}

function expect(cond, message) {
    if (!cond) throw new Error(message);
}

// ---------------------------------------------------------------- server -> charger calls
// Answer the calls a CSMS typically makes right after boot with schema-valid, truthful
// responses. Triggered messages are sent after the reply, like a real charger does.

const config16 = new Map([
    ['HeartbeatInterval', { value: '300', readonly: false }],
    ['MeterValueSampleInterval', { value: '60', readonly: false }],
    ['ConnectionTimeOut', { value: '60', readonly: false }],
    ['NumberOfConnectors', { value: '1', readonly: true }],
    ['AuthorizeRemoteTxRequests', { value: 'true', readonly: false }],
    ['LocalAuthorizeOffline', { value: 'false', readonly: false }],
    ['MeterValuesSampledData', { value: 'Energy.Active.Import.Register', readonly: false }],
    ['SupportedFeatureProfiles', { value: 'Core,RemoteTrigger', readonly: true }],
]);

const variables201 = new Map([
    ['OCPPCommCtrlr/HeartbeatInterval', '300'],
    ['SampledDataCtrlr/TxUpdatedInterval', '60'],
    ['AuthCtrlr/AuthorizeRemoteStart', 'true'],
    ['DeviceDataCtrlr/ItemsPerMessage', '10'],
]);

function later(fn) {
    setTimeout(() => {
        fn().catch(err => emit({ step: 'triggered', error: String(err.message ?? err) }));
    }, 50);
}

function statusNotificationParams(status) {
    if (version === '1.6') {
        return { connectorId: 1, errorCode: 'NoError', status, timestamp: now() };
    }
    return { timestamp: now(), connectorStatus: status, evseId: 1, connectorId: 1 };
}

let currentStatus = 'Available';

function registerHandlers() {
    client.handle(({ method, params }) => {
        summary.serverCalls.push({ method, params, answered: 'NotImplemented' });
        throw createRPCError('NotImplemented', `${method} not implemented by this test charger`);
    });
    const record = (method, params, answer) => summary.serverCalls.push({ method, params, answered: answer });

    client.handle('TriggerMessage', ({ params }) => {
        const what = params.requestedMessage;
        let run = null;
        if (what === 'Heartbeat') run = () => client.call('Heartbeat', {});
        else if (what === 'StatusNotification') {
            run = () => client.call('StatusNotification', statusNotificationParams(currentStatus));
        } else if (what === 'BootNotification') run = () => client.call('BootNotification', bootParams());
        const status = run ? 'Accepted' : 'NotImplemented';
        record('TriggerMessage', params, status);
        if (run) later(async () => emit({ step: `triggered:${what}`, response: await run() }));
        return { status };
    });
    client.handle('ChangeAvailability', ({ method, params }) => {
        record(method, params, 'Accepted');
        return { status: 'Accepted' };
    });
    client.handle('Reset', ({ method, params }) => {
        record(method, params, 'Rejected');
        return { status: 'Rejected' };
    });
    client.handle('ClearCache', ({ method, params }) => {
        record(method, params, 'Accepted');
        return { status: 'Accepted' };
    });
    client.handle('DataTransfer', ({ method, params }) => {
        record(method, params, 'UnknownVendorId');
        return { status: 'UnknownVendorId' };
    });

    if (version === '1.6') {
        client.handle('GetConfiguration', ({ method, params }) => {
            const keys = params.key?.length ? params.key : [...config16.keys()];
            const configurationKey = [];
            const unknownKey = [];
            for (const key of keys) {
                const entry = config16.get(key);
                if (entry) configurationKey.push({ key, readonly: entry.readonly, value: entry.value });
                else unknownKey.push(key);
            }
            record(method, params, 'ok');
            return unknownKey.length ? { configurationKey, unknownKey } : { configurationKey };
        });
        client.handle('ChangeConfiguration', ({ method, params }) => {
            const entry = config16.get(params.key);
            let status = 'NotSupported';
            if (entry && entry.readonly) status = 'Rejected';
            else if (entry) { entry.value = params.value; status = 'Accepted'; }
            record(method, params, status);
            return { status };
        });
        client.handle('RemoteStartTransaction', ({ method, params }) => {
            record(method, params, 'Rejected');
            return { status: 'Rejected' };
        });
        client.handle('RemoteStopTransaction', ({ method, params }) => {
            record(method, params, 'Rejected');
            return { status: 'Rejected' };
        });
    } else {
        client.handle('GetVariables', ({ method, params }) => {
            const getVariableResult = params.getVariableData.map(({ component, variable }) => {
                const value = variables201.get(`${component.name}/${variable.name}`);
                const result = { component, variable };
                if (value === undefined) result.attributeStatus = 'UnknownVariable';
                else { result.attributeStatus = 'Accepted'; result.attributeValue = value; }
                return result;
            });
            record(method, params, 'ok');
            return { getVariableResult };
        });
        client.handle('SetVariables', ({ method, params }) => {
            const setVariableResult = params.setVariableData.map(({ component, variable, attributeValue }) => {
                const key = `${component.name}/${variable.name}`;
                const known = variables201.has(key);
                if (known) variables201.set(key, attributeValue);
                return { component, variable, attributeStatus: known ? 'Accepted' : 'UnknownVariable' };
            });
            record(method, params, 'ok');
            return { setVariableResult };
        });
        client.handle('GetBaseReport', ({ method, params }) => {
            record(method, params, 'Accepted');
            later(async () => {
                const reportData = [...variables201.entries()].map(([key, value]) => {
                    const [component, variable] = key.split('/');
                    return {
                        component: { name: component },
                        variable: { name: variable },
                        variableAttribute: [{ type: 'Actual', value, mutability: 'ReadWrite' }],
                    };
                });
                const response = await client.call('NotifyReport', {
                    requestId: params.requestId, generatedAt: now(), seqNo: 0, tbc: false, reportData,
                });
                emit({ step: 'triggered:NotifyReport', response });
            });
            return { status: 'Accepted' };
        });
        client.handle('RequestStartTransaction', ({ method, params }) => {
            record(method, params, 'Rejected');
            return { status: 'Rejected' };
        });
        client.handle('RequestStopTransaction', ({ method, params }) => {
            record(method, params, 'Rejected');
            return { status: 'Rejected' };
        });
    }
}

// ---------------------------------------------------------------- scenario

function bootParams() {
    if (version === '1.6') {
        return {
            chargePointVendor: 'ocpp-rpc',
            chargePointModel: 'strict-interop',
            chargePointSerialNumber: `SN-${args.id}`.slice(0, 25),
            firmwareVersion: '2.2.1',
        };
    }
    return {
        reason: 'PowerUp',
        chargingStation: {
            vendorName: 'ocpp-rpc',
            model: 'strict-interop',
            serialNumber: `SN-${args.id}`.slice(0, 25),
            firmwareVersion: '2.2.1',
        },
    };
}

async function boot() {
    // Pending: retry after the interval the server gave (bounded by the overall timeout).
    for (;;) {
        const res = await step('BootNotification', 'BootNotification', bootParams());
        summary.bootStatus = res.status;
        if (res.status === 'Accepted') return;
        expect(res.status === 'Pending', `BootNotification was ${res.status}, expected Accepted`);
        await new Promise(r => setTimeout(r, Math.min(Math.max(res.interval ?? 1, 1), 2) * 1000));
    }
}

async function status(state) {
    currentStatus = state;
    await step(`StatusNotification:${state}`, 'StatusNotification', statusNotificationParams(state));
}

async function scenario16() {
    await boot();
    const hb = await step('Heartbeat', 'Heartbeat', {});
    summary.heartbeatTime = hb.currentTime;
    await step('StatusNotification:connector0', 'StatusNotification',
        { connectorId: 0, errorCode: 'NoError', status: 'Available', timestamp: now() });
    await status('Available');

    const auth = await step('Authorize', 'Authorize', { idTag: args.tag });
    summary.authorizeStatus = auth.idTagInfo.status;
    expect(auth.idTagInfo.status === 'Accepted', `Authorize of ${args.tag} was ${auth.idTagInfo.status}`);

    await status('Preparing');
    const start = await step('StartTransaction', 'StartTransaction', {
        connectorId: 1, idTag: args.tag, meterStart: summary.meterStart, timestamp: now(),
    });
    summary.transactionId = start.transactionId;
    summary.transactionStartStatus = start.idTagInfo.status;
    expect(start.idTagInfo.status === 'Accepted', `StartTransaction idTagInfo was ${start.idTagInfo.status}`);
    await status('Charging');

    const energy = (value, context) => ({
        value: String(value), context, measurand: 'Energy.Active.Import.Register', unit: 'Wh',
    });
    await step('MeterValues', 'MeterValues', {
        connectorId: 1,
        transactionId: start.transactionId,
        meterValue: [{ timestamp: now(), sampledValue: [
            energy(1750, 'Sample.Periodic'),
            { value: '7400', context: 'Sample.Periodic', measurand: 'Power.Active.Import', unit: 'W' },
        ] }],
    });
    await step('StopTransaction', 'StopTransaction', {
        transactionId: start.transactionId,
        idTag: args.tag,
        meterStop: summary.meterStop,
        timestamp: now(),
        reason: 'Local',
        transactionData: [
            { timestamp: now(), sampledValue: [energy(summary.meterStop, 'Transaction.End')] },
        ],
    });
    await status('Finishing');
    await status('Available');
}

async function scenario201() {
    await boot();
    const hb = await step('Heartbeat', 'Heartbeat', {});
    summary.heartbeatTime = hb.currentTime;
    await status('Available');

    const idToken = { idToken: args.tag, type: 'ISO14443' };
    const auth = await step('Authorize', 'Authorize', { idToken });
    summary.authorizeStatus = auth.idTokenInfo.status;
    expect(auth.idTokenInfo.status === 'Accepted', `Authorize of ${args.tag} was ${auth.idTokenInfo.status}`);

    const transactionId = randomUUID();
    summary.transactionId = transactionId;
    const energy = (value, context) => ({
        timestamp: now(),
        sampledValue: [{
            value, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' },
        }],
    });
    const started = await step('TransactionEvent:Started', 'TransactionEvent', {
        eventType: 'Started',
        timestamp: now(),
        triggerReason: 'Authorized',
        seqNo: 0,
        transactionInfo: { transactionId, chargingState: 'EVConnected' },
        idToken,
        evse: { id: 1, connectorId: 1 },
        meterValue: [energy(summary.meterStart, 'Transaction.Begin')],
    });
    summary.transactionStartStatus = started.idTokenInfo?.status ?? null;
    if (started.idTokenInfo) {
        expect(started.idTokenInfo.status === 'Accepted',
            `TransactionEvent Started idTokenInfo was ${started.idTokenInfo.status}`);
    }
    await status('Occupied');
    await step('TransactionEvent:Updated', 'TransactionEvent', {
        eventType: 'Updated',
        timestamp: now(),
        triggerReason: 'MeterValuePeriodic',
        seqNo: 1,
        transactionInfo: { transactionId, chargingState: 'Charging' },
        meterValue: [energy(1750, 'Sample.Periodic')],
    });
    await step('TransactionEvent:Ended', 'TransactionEvent', {
        eventType: 'Ended',
        timestamp: now(),
        triggerReason: 'StopAuthorized',
        seqNo: 2,
        transactionInfo: { transactionId, chargingState: 'Idle', stoppedReason: 'Local' },
        idToken,
        evse: { id: 1, connectorId: 1 },
        meterValue: [energy(summary.meterStop, 'Transaction.End')],
    });
    await status('Available');
}

async function main() {
    client = new RPCClient({
        endpoint: args.url,
        identity: args.id,
        protocols: [protocol],
        strictMode: true,
        password: args.password,
        reconnect: false,
        callTimeoutMs: Math.min(10000, timeoutS * 1000),
    });
    client.on('strictValidationFailure', ev => {
        // Outbound failures are our bugs; inbound ones (server responses/calls) are the server's.
        summary.strictValidationFailures.push({
            method: ev.method, outbound: ev.outbound, isCall: ev.isCall,
            error: ev.error?.message, params: ev.params, result: ev.result,
        });
    });
    client.on('badMessage', ev => {
        summary.strictValidationFailures.push({ badMessage: String(ev.buffer ?? ''), error: ev.error?.message });
    });
    registerHandlers();

    lastStep = 'connect';
    try {
        await client.connect();
    } catch (err) {
        throw new Error(`connect to ${args.url}/${args.id} with ${protocol} failed: ${err.message}`);
    }
    // Only now: before this, connect() itself rejects with the real cause (e.g. HTTP 401).
    client.on('close', ({ code, reason }) => {
        if (!finished) finish(EXIT_FAILURE, `connection closed by server (code ${code}, reason ${JSON.stringify(String(reason ?? ''))}) during ${lastStep ?? 'connect'}`);
    });
    summary.protocol = client.protocol;
    expect(client.protocol === protocol, `server negotiated ${client.protocol}, expected ${protocol}`);
    emit({ step: 'connect', response: { protocol: client.protocol } });

    if (version === '1.6') await scenario16();
    else await scenario201();

    // Give triggered messages (sent in reply to server calls) a moment to complete.
    await new Promise(r => setTimeout(r, 100));
    const inbound = summary.strictValidationFailures.filter(f => !f.outbound);
    expect(inbound.length === 0, `server sent schema-invalid messages: ${JSON.stringify(inbound)}`);
    clearTimeout(overallTimer);
    await finish(0, null);
}

main().catch(err => finish(EXIT_FAILURE, err.message ?? String(err)));
