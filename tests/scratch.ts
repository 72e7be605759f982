import { DuckDBInstance } from "@duckdb/node-api";
import { TrinoSQL } from "dt-sql-parser";
(async () => {
  const parser = new TrinoSQL();
  for (const sql of ["SELECT count_if(x = 1), date_diff('day', CAST('2026-01-01' AS date), current_date) FROM t WHERE \"date\" >= CAST(current_date - INTERVAL '90' DAY AS varchar) GROUP BY 1", "SELEC x FROM"]) console.log(parser.validate(sql).map((e) => e.message));
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const r = await c.runAndReadAll("SELECT count_if(x = 1) AS n, date_diff('day', CAST('2026-01-01' AS date), current_date) AS d, CAST(current_date - INTERVAL '90' DAY AS varchar) AS s, MAP {'a': '1'}['a'] AS m FROM (SELECT 1 AS x)");
  console.log(r.getRowObjects());
})();
