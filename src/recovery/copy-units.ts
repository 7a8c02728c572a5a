// The units a copy is made of, as the journal keeps them (pure types, below everything that plans or resumes a copy):
// how a parallel copy or a copy from a frozen donor was split, and which units completed.

export interface StreamPart {
  /** "shop.orders [1/2]" or "shop.customers, shop.items". */
  label: string;
  /** The schemas the invocation names (--databases). */
  schemas: string[];
  /** The tables it holds, schema.table. */
  tables: string[];
  /** The other tables of those schemas (--ignore-table). */
  ignore: string[];
  /**
   * One table, named (`-- schema table`, imported with --database=schema) instead of its schema with every other table
   * ignored: a unit's argv, the plan and the journal stay the same size whatever the schema holds (a schema of 10,000
   * tables would otherwise give 10,000 units of 9,999 --ignore-table each).
   */
  byName?: boolean;
  /** The range, when it holds one range of one table. */
  where?: string;
  estimateBytes: number;
  estimateRows: number;
}

/** What the journal keeps of a copy from a frozen donor: how it was split, and which units completed. */
export interface DonorCopyRecord {
  parts: StreamPart[];
  done: string[];
}
