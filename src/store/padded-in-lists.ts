// SQLite keeps each prepared statement's compiled program in native memory until V8
// collects the statement object (node:sqlite has no finalize), and every length of an
// `in (?, ?, …)` list is a statement of its own. A server with 1,000 executors asked for
// the runs of every connected executor with a list as long as the fleet, so each connect
// prepared another program of up to 1,000 parameters: 200 MB of malloc'd memory held
// until a full GC (bench/results/footprint-sqlite-executors-2026-12-03.json).
//
// This plugin pads every `in` / `not in` list of more than 8 values to the next power of
// two by repeating its last value, which changes no result: a query site then has a
// handful of shapes, which the statement cache keeps.
import {
  BinaryOperationNode,
  OperationNodeTransformer,
  OperatorNode,
  PrimitiveValueListNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';

const SMALLEST_PADDED = 8;

class PadInLists extends OperationNodeTransformer {
  protected override transformBinaryOperation(node: BinaryOperationNode): BinaryOperationNode {
    const transformed = super.transformBinaryOperation(node);
    const right = transformed.rightOperand;
    if (!OperatorNode.is(transformed.operator) || (transformed.operator.operator !== 'in' && transformed.operator.operator !== 'not in')) return transformed;
    if (!PrimitiveValueListNode.is(right)) return transformed;
    const values = right.values;
    if (values.length <= SMALLEST_PADDED) return transformed;
    const size = 2 ** Math.ceil(Math.log2(values.length));
    if (size === values.length) return transformed;
    const padded = [...values, ...Array<unknown>(size - values.length).fill(values.at(-1))];
    return BinaryOperationNode.create(transformed.leftOperand, transformed.operator, PrimitiveValueListNode.create(padded));
  }
}

export class PaddedInLists implements KyselyPlugin {
  readonly #transformer = new PadInLists();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
