import net from "node:net";

/**
 * A SIP2 server that does nothing: every CR-terminated request gets a canned answer of a typical size
 * (941 for a login, so the load generator's check passes). Run beside the ACS with the same load generator,
 * it is the ceiling the client and the loopback allow on this machine.
 */
const LOGIN_OK = Buffer.from("941\r", "latin1");
const ANSWER = Buffer.from(
  "120NUY20261125    143000AOOSC|AA20001000000012|AB30001000000010|AJThe Hitchhiker's Guide|AH20261209    235900|AY3AZE4C1\r",
  "latin1",
);

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("data", (chunk: Buffer) => {
    let start = 0;
    for (let end = chunk.indexOf(0x0d); end !== -1; end = chunk.indexOf(0x0d, start)) {
      socket.write(chunk[start] === 0x39 && chunk[start + 1] === 0x33 ? LOGIN_OK : ANSWER);
      start = end + 1;
    }
  });
  socket.on("error", () => socket.destroy());
});
server.listen({ host: "127.0.0.1", port: Number(process.argv[2] ?? 0), backlog: 2048 });
