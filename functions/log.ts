/** One structured log line. Fields are ids, statuses and codes: never credentials or report rows. */
export type Log = (event: string, fields?: Record<string, unknown>) => void;

/** Writes JSON lines to stdout, which Lambda sends to the function's log group. */
export const jsonLog: Log = (event, fields = {}) => {
  console.log(JSON.stringify({ time: new Date().toISOString(), event, ...fields }));
};

export const silentLog: Log = () => {};
