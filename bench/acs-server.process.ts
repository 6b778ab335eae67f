import { DEFAULT_FIXTURE } from "../bridge/cli.ts";
import { loadFixture } from "../simulators/acs/fixture.ts";
import { InMemoryIls } from "../simulators/acs/ils.ts";
import { AcsServer } from "../simulators/acs/server.ts";

// The ACS runs in its own process so the load generator does not share its event loop or core.
const server = new AcsServer({ ils: new InMemoryIls(loadFixture(DEFAULT_FIXTURE)) });
const { port } = await server.start();
process.send?.({ port });
process.on("message", async (m) => {
  if (m === "stop") {
    await server.stop();
    process.exit(0);
  }
});
