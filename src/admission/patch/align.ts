// Array alignment: Myers' O((N+M)D) shortest edit script on element hashes,
// given up once D passes a budget (a reversal has D = 2N), so the cost stays
// O((N+M) * maxD) time and O(maxD^2) memory whatever the input.

const ALIGN_MAX_D = 256;
const ALIGN_WORK = 2_000_000;

// Pairs (x, y) of matched positions, ascending, flattened; null if over budget.
export function align(bk: Int32Array, ak: Int32Array): number[] | null {
  const n = bk.length;
  const m = ak.length;
  const maxD = Math.min(n + m, ALIGN_MAX_D, Math.max(16, Math.floor(ALIGN_WORK / (n + m))));
  const off = maxD + 1;
  // v[off + k]: furthest x reached on diagonal k = x - y; -1 when unreachable.
  const v = new Int32Array(2 * maxD + 3).fill(-1);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= maxD; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = 0;
      if (d > 0) {
        x = step(v, off, d - 1, k, n, m);
        if (x < 0) {
          v[off + k] = -1;
          continue;
        }
      }
      let y = x - k;
      while (x < n && y < m && bk[x] === ak[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x === n && y === m) return backtrack(trace, d, n, m, bk, ak);
    }
    trace.push(v.slice(off - d, off + d + 1));
  }
  return null;
}

// The x where diagonal k starts at edit d+1, coming from d's furthest points:
// down from k+1 (insert after[y]) or right from k-1 (delete before[x]).
// `row` is indexed by diagonal + `off`. Returns -1 if neither is in bounds.
function step(row: Int32Array, off: number, d: number, k: number, n: number, m: number): number {
  const down = k + 1 <= d ? (row[off + k + 1] as number) : -1;
  const right = k - 1 >= -d ? (row[off + k - 1] as number) : -1;
  const downX = down >= 0 && down - k <= m ? down : -1;
  const rightX = right >= 0 && right < n ? right + 1 : -1;
  return downX >= rightX ? downX : rightX;
}

function backtrack(trace: Int32Array[], dEnd: number, n: number, m: number, bk: Int32Array, ak: Int32Array): number[] {
  const rev: number[] = [];
  let x = n;
  let y = m;
  for (let d = dEnd; d > 0; d--) {
    const k = x - y;
    const prev = trace[d - 1] as Int32Array; // diagonals -(d-1)..d-1 at offset d-1
    const startX = step(prev, d - 1, d - 1, k, n, m);
    while (x > startX) {
      x--;
      y--;
      rev.push(y, x);
    }
    // Undo the single edit that led onto diagonal k.
    const down = k + 1 <= d - 1 ? (prev[d - 1 + k + 1] as number) : -1;
    if (startX === down && down - k <= m) y--;
    else x--;
  }
  while (x > 0 && y > 0 && bk[x - 1] === ak[y - 1]) {
    x--;
    y--;
    rev.push(y, x);
  }
  rev.reverse();
  return rev;
}
