//! Parallel, deterministic dictionary encoding of a column.

use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap};
use std::hash::{BuildHasher, Hash};

/// Code of a missing value in an encoded column.
pub const MISSING: u32 = u32::MAX;

const PARTITION_BITS: u32 = 6;
const PARTITIONS: usize = 1 << PARTITION_BITS;

/// Encodes `n` values read by `get` into (dictionary, codes). Missing values get [`MISSING`].
/// Work is split into hash partitions processed in parallel; the result does not depend on the
/// number of threads (codes are numbered partition by partition, in row order within each).
pub(crate) fn intern<K, F>(n: usize, get: F) -> (Vec<K>, Vec<u32>)
where
    K: Hash + Eq + Copy + Default + Send + Sync,
    F: Fn(usize) -> Option<K> + Sync,
{
    let hasher = FxBuildHasher;
    let partition: Vec<u8> = (0..n)
        .into_par_iter()
        .with_min_len(4096)
        .map(|row| match get(row) {
            Some(key) => (hasher.hash_one(key) >> (64 - PARTITION_BITS)) as u8,
            None => u8::MAX,
        })
        .collect();
    // Rows bucketed by partition (stable counting sort), so each partition reads only its rows.
    let mut starts = [0usize; PARTITIONS + 1];
    for &p in &partition {
        if p != u8::MAX {
            starts[p as usize + 1] += 1;
        }
    }
    for p in 0..PARTITIONS {
        starts[p + 1] += starts[p];
    }
    // The keys themselves are bucketed (read once, in row order), so each partition then works
    // on a contiguous slice.
    let mut fill = starts;
    let mut bucketed: Vec<K> = vec![K::default(); starts[PARTITIONS]];
    for (row, &p) in partition.iter().enumerate() {
        if p != u8::MAX {
            bucketed[fill[p as usize]] = get(row).expect("partitioned rows have values");
            fill[p as usize] += 1;
        }
    }
    let parts: Vec<(Vec<K>, Vec<u32>)> = (0..PARTITIONS)
        .into_par_iter()
        .map(|p| {
            let keys = &bucketed[starts[p]..starts[p + 1]];
            let mut map: FxHashMap<K, u32> = FxHashMap::default();
            let mut dict = Vec::new();
            let codes = keys
                .iter()
                .map(|&key| {
                    let next = dict.len() as u32;
                    *map.entry(key).or_insert_with(|| {
                        dict.push(key);
                        next
                    })
                })
                .collect();
            (dict, codes)
        })
        .collect();
    let mut offsets = Vec::with_capacity(PARTITIONS);
    let mut dictionary = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
    for (dict, _) in &parts {
        offsets.push(dictionary.len() as u32);
        dictionary.extend_from_slice(dict);
    }
    let mut cursor = [0usize; PARTITIONS];
    let codes = partition
        .iter()
        .map(|&p| {
            if p == u8::MAX {
                return MISSING;
            }
            let p = p as usize;
            let code = offsets[p] + parts[p].1[cursor[p]];
            cursor[p] += 1;
            code
        })
        .collect();
    (dictionary, codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_marks_missing() {
        let values = [Some("a"), Some("b"), None, Some("a"), Some("c"), Some("b")];
        let (dict, codes) = intern(values.len(), |i| values[i]);
        assert_eq!(dict.len(), 3);
        assert_eq!(codes[2], MISSING);
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v {
                assert_eq!(dict[codes[i] as usize], *v);
            }
        }
    }
}
