/** Entry point of the staff console (/staff/): the app, which asks the bridge whether staff are logged in. */
import "./staff-app.ts";

document.body.append(document.createElement("staff-app"));
