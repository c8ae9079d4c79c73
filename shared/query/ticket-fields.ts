/** The fields every query ticket carries, shared by the ticket families (tickets.ts and its siblings). */
import { z } from "zod";

/** Nanoseconds since the epoch as a decimal string (Int64 does not fit a JSON number). */
export const nsString = z.string().regex(/^\d{1,19}$/, "must be a decimal string of nanoseconds");

/** Tenant and optional time range: what the querier gathers for any ticket. */
export const commonTicketFields = {
  org: z.string().min(1),
  bucket: z.string().min(1),
  startNs: nsString.optional(),
  endNs: nsString.optional(),
};
