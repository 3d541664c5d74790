// Response serializers compiled on a route's first answer with a status, not when the
// server starts. Fastify compiles one fast-json-stringify function per route and status
// up front: with every route's schemas that was ~80 % of a server's start (~1 s of CPU
// on this machine, each time a test starts a server) and code kept in memory for
// answers most servers never give. The compiled function is the same, only later.
//
// `compileAll` compiles what is still pending, so a test proves every schema compiles.
import type { FastifyInstance } from 'fastify';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type Factory = ReturnType<typeof SerializerSelector>;
type Serializer = (data: unknown) => string;

const pendingByApp = new WeakMap<object, Array<() => Serializer>>();

/** A serializer factory for Fastify's `schemaController.compilersFactory.buildSerializer`. */
export function lazySerializers(): { buildSerializer: Factory; attach(app: FastifyInstance): void } {
  const compileNow = SerializerSelector();
  const pending: Array<() => Serializer> = [];
  const buildSerializer: Factory = (externalSchemas, options) => {
    const compile = compileNow(externalSchemas, options);
    return (route) => {
      let serialize: Serializer | undefined;
      const get = () => (serialize ??= compile(route));
      pending.push(get);
      return (data) => get()(data);
    };
  };
  return { buildSerializer, attach: (app) => void pendingByApp.set(app, pending) };
}

/** Compiles every serializer of the app now; returns how many routes and statuses have one. */
export function compileAll(app: FastifyInstance): number {
  const pending = pendingByApp.get(app) ?? [];
  for (const get of pending) get();
  return pending.length;
}
