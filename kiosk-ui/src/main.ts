/** Entry point: one client for the bridge on the same origin, and the app that renders it. */
import { KioskClient, kioskApiUrl } from "./data/kiosk-client.ts";
import "./kiosk-app.ts";

const client = new KioskClient({ url: kioskApiUrl(location) });
const app = document.createElement("kiosk-app");
app.client = client;
document.body.append(app);
client.start();
