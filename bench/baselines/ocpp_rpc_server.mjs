// Baseline (b): a minimal central system on the Node `ocpp-rpc` package (RPCServer), no persistence.
// strictMode validates every payload against ocpp-rpc's bundled OCPP 1.6 schemas, as the Python
// servers compared with it do. Usage: node bench/baselines/ocpp_rpc_server.mjs --port 9003
import { RPCServer } from 'ocpp-rpc';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const port = Number(opt('--port', '9003'));
const host = opt('--host', '127.0.0.1');
const strict = opt('--strict', 'true') !== 'false';

const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: strict });
server.on('client', (client) => {
  client.handle('BootNotification', () => ({
    status: 'Accepted', interval: 300, currentTime: new Date().toISOString(),
  }));
  client.handle('Heartbeat', () => ({ currentTime: new Date().toISOString() }));
  client.handle('StatusNotification', () => ({}));
  client.handle('MeterValues', () => ({}));
  client.on('error', () => {});
});
await server.listen(port, host);
console.log(`ocpp-rpc server on ${host}:${port} (strict=${strict})`);
