export { settlesWithin, withTimeout } from "./with-timeout.ts";
