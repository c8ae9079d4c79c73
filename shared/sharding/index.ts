export { fnv1a64, shardOf } from "./hash.ts";
export { rankWriters, replicasOf } from "./rendezvous.ts";
