// Request validators compiled on a route's first request, not when the server starts: the
// same checks as @fastify/type-provider-typebox's TypeBoxValidatorCompiler (TypeBox's
// compiled check; query strings, params and headers converted to the schema's types,
// bodies checked as sent). Compiling every route's schemas up front kept their code in
// memory on every server, and loading TypeBox's compiler and value modules (and the
// provider's Ajv formats, unused here) added more: an idle server held ~4 MB of it
// (issue 17, footprint).
//
// The compiler and value modules are loaded with require (Node loads an ES module
// synchronously that way) because a validator must answer synchronously.
// `compileAll` compiles what is still pending, so a test proves every schema compiles.
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import type { Compile, Validator } from 'typebox/compile';
import type { Value } from 'typebox/value';

type TypeBox = { Compile: typeof Compile; Value: typeof Value };

const requireModule = createRequire(import.meta.url);
let typebox: TypeBox | undefined;
const loadTypeBox = (): TypeBox =>
  (typebox ??= {
    Compile: (requireModule('typebox/compile') as { Compile: typeof Compile }).Compile,
    Value: (requireModule('typebox/value') as { Value: typeof Value }).Value,
  });

const pendingByApp = new WeakMap<object, Array<() => unknown>>();

/** A validator compiler for Fastify's `setValidatorCompiler`, and `attach` to let `compileAll` find its routes. */
export function lazyValidators(): { compiler: FastifySchemaCompiler<TSchema>; attach(app: FastifyInstance): void } {
  const pending: Array<() => Validator> = [];
  const compiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
    let check: Validator | undefined;
    const get = () => (check ??= loadTypeBox().Compile(schema));
    pending.push(get);
    return (value: unknown) => {
      const validator = get();
      const converted = httpPart === 'body' ? value : loadTypeBox().Value.Convert(schema, value);
      if (validator.Check(converted)) return { value: converted };
      return { error: validator.Errors(converted) };
    };
  };
  return { compiler, attach: (app) => void pendingByApp.set(app, pending) };
}

/** Compiles every validator of the app now; returns how many route parts have one. */
export function compileAllValidators(app: FastifyInstance): number {
  const pending = pendingByApp.get(app) ?? [];
  for (const get of pending) get();
  return pending.length;
}
