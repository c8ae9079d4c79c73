/** HTTP helpers shared by the roles that serve HTTP (acceptor, router). */
export { BodyTooLargeError, BoundedBuffer, readBounded } from "./bounded-body.ts";
