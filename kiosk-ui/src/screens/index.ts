/** One screen per phase of the schema; the Record type makes a phase without a screen a compile error. */

import { fees, holds, home } from "./account.ts";
import { checkin, checkout, renew } from "./activity.ts";
import { goodbye, receipt } from "./ending.ts";
import type { Screens } from "./view.ts";
import { closed, idle, outOfService, pin } from "./welcome.ts";

export const SCREENS: Screens = {
  "out-of-service": outOfService,
  closed,
  idle,
  pin,
  home,
  checkout,
  checkin,
  renew,
  holds,
  fees,
  receipt,
  goodbye,
};
