import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/** How a delivery reaches its subscriber: a raw TCP write, or a `ws` text frame with a graphql-ws `next` message. */
export type FloorTransport = 'tcp' | 'ws';

export interface DeliveryFloorOptions {
  transport: FloorTransport;
  /** Connections, one per subscriber. */
  sockets: number;
  /** Subscribers each event goes to (the subscribers of its tenant). */
  perEvent: number;
  events: number;
}

/** CPU microseconds per delivery on each side, from the processes' own counters. */
export interface DeliveryFloor {
  senderUs: number;
  receiverUs: number;
  delivered: number;
}

const ROLE_FLAG = '--delivery-floor';
/** Events per turn of the sender's event loop: about what one read of the live feed brings under the events bench. */
const EVENTS_PER_TURN = 13;
const TCP_MESSAGE = Buffer.alloc(160, 'x');

type Command = { listen: FloorTransport } | { connect: { port: number; transport: FloorTransport; sockets: number } } | { send: DeliveryFloorOptions } | { report: true };
type Reply = { port: number } | { connected: true } | { sent: true; cpuUs: number } | { received: number; cpuUs: number };

/**
 * What the events bench's fan-out costs with nothing of Portico in it: `events` events, each written to the
 * `perEvent` sockets of its group, over loopback from one process to another, the receiver doing no more than a
 * graphql-ws client must (for `ws`: parse the message). A sender and a receiver are forked for it, so that neither
 * carries the bench's own state; their CPU is what their processes report. It is the part of a live event's cost
 * that the kernel (and `ws`) take on a machine where subscribers share the cores with the writers.
 */
export async function measureDeliveryFloor(options: DeliveryFloorOptions): Promise<DeliveryFloor> {
  const sender = new FloorProcess('sender');
  const receiver = new FloorProcess('receiver');
  try {
    const { port } = (await sender.ask({ listen: options.transport })) as { port: number };
    await receiver.ask({ connect: { port, transport: options.transport, sockets: options.sockets } });
    const before = (await receiver.ask({ report: true })) as { cpuUs: number };
    const { cpuUs: senderUs } = (await sender.ask({ send: options })) as { cpuUs: number };
    const expected = options.events * options.perEvent;
    const deadline = Date.now() + 60_000;
    let after = (await receiver.ask({ report: true })) as { received: number; cpuUs: number };
    while (after.received < expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = (await receiver.ask({ report: true })) as { received: number; cpuUs: number };
    }
    return { senderUs: senderUs / expected, receiverUs: (after.cpuUs - before.cpuUs) / expected, delivered: after.received };
  } finally {
    sender.stop();
    receiver.stop();
  }
}

/** One forked side, answering one command at a time. */
class FloorProcess {
  private readonly child: ChildProcess;

  constructor(role: 'sender' | 'receiver') {
    this.child = fork(__filename, [ROLE_FLAG, role], { stdio: 'inherit' });
  }

  ask(command: Command): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`delivery floor process exited (${code})`));
      this.child.once('exit', onExit);
      this.child.once('message', (reply) => {
        this.child.off('exit', onExit);
        resolve(reply as Reply);
      });
      this.child.send(command);
    });
  }

  stop(): void {
    this.child.kill();
  }
}

const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const reply = (message: Reply) => process.send?.(message);

function runSender(): void {
  /** `message` is called for `ws` only: a raw TCP delivery writes the same bytes to every socket, nothing built. */
  const sockets: { send: (message?: () => string) => void; queued: () => number }[] = [];
  process.on('message', (command: Command) => {
    if ('listen' in command) {
      if (command.listen === 'tcp') {
        const server = net.createServer((socket) => {
          socket.setNoDelay(true);
          sockets.push({ send: () => void socket.write(TCP_MESSAGE), queued: () => socket.writableLength });
        });
        server.listen(0, '127.0.0.1', () => reply({ port: (server.address() as net.AddressInfo).port }));
      } else {
        const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
        server.on('connection', (socket) => sockets.push({ send: (message) => socket.send(message!()), queued: () => socket.bufferedAmount }));
        server.on('listening', () => reply({ port: (server.address() as net.AddressInfo).port }));
      }
    } else if ('send' in command) {
      const { events, perEvent } = command.send;
      const groups = Math.floor(sockets.length / perEvent);
      const start = cpuUs();
      let event = 0;
      const turn = () => {
        for (let n = 0; n < EVENTS_PER_TURN && event < events; n += 1, event += 1) {
          const group = event % groups;
          // As graphql-ws does: the result is shared, the message (with each subscription's id) stringified per subscriber.
          const payload = { data: { provisioningEvents: { id: `0190c3a2-7e1f-7000-8000-${String(event).padStart(12, '0')}`, type: 'USER_CREATED', subjectId: `3f1c2a9e-0d4b-4c5e-8f6a-${String(event).padStart(12, '0')}` } } };
          for (let k = 0; k < perEvent; k += 1) {
            sockets[group * perEvent + k].send(() => JSON.stringify({ id: `7c0e6a52-5d0b-4b8e-9a59-${String(k).padStart(12, '0')}`, type: 'next', payload }));
          }
        }
        if (event < events) setImmediate(turn);
        else drained();
      };
      // Until the writes the kernel could not take at once (queued on their sockets) are done too.
      const drained = () => {
        if (sockets.some((socket) => socket.queued() > 0)) setTimeout(drained, 5);
        else reply({ sent: true, cpuUs: cpuUs() - start });
      };
      turn();
    }
  });
}

function runReceiver(): void {
  let received = 0;
  process.on('message', (command: Command) => {
    if ('connect' in command) {
      const { port, transport, sockets } = command.connect;
      let open = 0;
      const opened = () => {
        open += 1;
        if (open === sockets) reply({ connected: true });
      };
      for (let s = 0; s < sockets; s += 1) {
        if (transport === 'tcp') {
          const socket = net.connect(port, '127.0.0.1', opened);
          socket.setNoDelay(true);
          socket.on('data', (data: Buffer) => void (received += data.length / TCP_MESSAGE.length));
        } else {
          const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
          socket.on('open', opened);
          socket.on('message', (data) => {
            const message = JSON.parse(String(data)) as { payload?: { data?: unknown } };
            if (message.payload?.data) received += 1;
          });
        }
      }
    } else if ('report' in command) {
      reply({ received: Math.floor(received), cpuUs: cpuUs() });
    }
  });
}

if (require.main === module && process.argv[2] === ROLE_FLAG) {
  if (process.argv[3] === 'sender') runSender();
  else runReceiver();
}
