'use strict';
// `node lib/free-ports.js N` prints N distinct TCP ports that are free on
// 127.0.0.1 right now, one a line (the kernel picks them from its
// ephemeral range; all are held open until every one is found).

const net = require('net');

async function freePorts(count) {
    const servers = [];

    try {
        for (let i = 0; i < count; i++) {
            const server = net.createServer();

            await new Promise((resolve, reject) => {
                server.once('error', reject);
                server.listen(0, '127.0.0.1', resolve);
            });
            servers.push(server);
        }
        return servers.map((s) => s.address().port);

    } finally {
        await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    }
}

if (require.main === module) {
    const count = Number(process.argv[2] || 1);

    if (!Number.isInteger(count) || count < 1 || count > 64) {
        console.error('usage: free-ports.js N (1..64)');
        process.exit(2);
    }
    freePorts(count).then((ports) => {
        process.stdout.write(ports.join('\n') + '\n');
    }, (err) => {
        console.error('free-ports: ' + err.message);
        process.exit(1);
    });
}

module.exports = { freePorts };
