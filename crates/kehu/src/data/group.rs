//! Grouping rows by a dense code (customer) with a two-level radix sort: cache-friendly,
//! parallel, stable (rows keep table order within a group).

use super::scatter::Plan;
use rayon::prelude::*;

const LOW_BITS: u32 = 14;
const LOW_SIZE: usize = 1 << LOW_BITS;

/// Items grouped by code: the items of code `c` are `items[offsets[c]..offsets[c + 1]]`, in
/// table order.
#[derive(Debug, Clone)]
pub struct Grouping<T> {
    /// Start of each code's items; one more entry than codes.
    pub offsets: Vec<usize>,
    /// The items.
    pub items: Vec<T>,
}

impl<T> Grouping<T> {
    /// The items of code `code`.
    pub fn of(&self, code: usize) -> &[T] {
        &self.items[self.offsets[code]..self.offsets[code + 1]]
    }

    /// Number of codes.
    pub fn groups(&self) -> usize {
        self.offsets.len() - 1
    }
}

/// Groups the rows of `codes` by code, keeping for each row the item that `item` returns (rows
/// for which it returns `None`, and rows with a code `>= n_groups`, are left out).
pub fn group<T, F>(codes: &[u32], n_groups: usize, item: F) -> Grouping<T>
where
    T: Copy + Send + Sync + Default,
    F: Fn(usize) -> Option<T> + Sync,
{
    // Level 1: a stable scatter by the high bits of the code (few buckets: good locality), in
    // parallel over chunks of rows.
    let n_high = n_groups.div_ceil(LOW_SIZE).max(1);
    let bucket = |row: usize| {
        let code = codes[row] as usize;
        (code < n_groups && item(row).is_some()).then_some(code >> LOW_BITS)
    };
    let plan = Plan::new(codes.len(), n_high, &bucket);
    let starts = &plan.starts;
    let mut low_codes = vec![0u16; plan.len()];
    let mut items = vec![T::default(); plan.len()];
    plan.scatter(
        &bucket,
        |row| {
            let low = (codes[row] as usize & (LOW_SIZE - 1)) as u16;
            (low, item(row).expect("bucketed rows have items"))
        },
        (&mut low_codes[..], &mut items[..]),
    );
    // Level 2: within each bucket, a counting sort by the low bits, in place (through a small
    // per-thread buffer), in parallel.
    let mut offsets = vec![0usize; n_groups + 1];
    let mut bucket_items = Vec::with_capacity(n_high);
    let mut rest: &mut [T] = &mut items;
    for b in 0..n_high {
        let (head, tail) = rest.split_at_mut(starts[b + 1] - starts[b]);
        bucket_items.push(head);
        rest = tail;
    }
    bucket_items
        .into_par_iter()
        .zip(offsets[..n_groups].par_chunks_mut(LOW_SIZE))
        .enumerate()
        .for_each_init(Vec::new, |buf: &mut Vec<T>, (b, (out, offs))| {
            let lows = &low_codes[starts[b]..starts[b + 1]];
            let mut start = vec![0usize; LOW_SIZE + 1];
            for &low in lows {
                start[low as usize + 1] += 1;
            }
            for i in 0..LOW_SIZE {
                start[i + 1] += start[i];
            }
            for (i, o) in offs.iter_mut().enumerate() {
                *o = starts[b] + start[i];
            }
            buf.clear();
            buf.extend_from_slice(out);
            for (&low, &t) in lows.iter().zip(buf.iter()) {
                out[start[low as usize]] = t;
                start[low as usize] += 1;
            }
        });
    offsets[n_groups] = plan.len();
    Grouping { offsets, items }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_stably_across_buckets() {
        let n_groups = 10_000;
        let codes: Vec<u32> = (0..50_000u32)
            .map(|i| (i * 7919) % n_groups as u32)
            .collect();
        let g = group(&codes, n_groups, |r| (r % 5 != 0).then_some(r));
        assert_eq!(g.groups(), n_groups);
        let mut seen = 0;
        for c in 0..n_groups {
            let rows = g.of(c);
            assert!(rows.windows(2).all(|w| w[0] < w[1]), "stable order");
            for &r in rows {
                assert_eq!(codes[r] as usize, c);
                assert!(r % 5 != 0);
            }
            seen += rows.len();
        }
        assert_eq!(seen, 40_000);
        let empty = group(&[], 0, |r: usize| Some(r));
        assert_eq!(empty.groups(), 0);
    }
}
