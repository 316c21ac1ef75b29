//! `--shard k/n`: a deterministic split of the inputs by a hash of their relative
//! path, so independent machines agree on who does what without talking.

use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based: shard 1 of 8 … shard 8 of 8.
    pub k: u32,
    pub n: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?}: expected K/N with 1 <= K <= N, e.g. 3/8");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: u32 = k.trim().parse().map_err(|_| bad())?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl Shard {
    /// Whether this shard owns the input at `rel` (its path relative to the input
    /// folder, with `/` separators, so every machine computes the same hash).
    pub fn owns(&self, rel: &Path) -> bool {
        let key: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let digest = Sha256::digest(key.join("/").as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % self.n as u64 == (self.k - 1) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn every_input_lands_in_exactly_one_shard() {
        let paths: Vec<PathBuf> = (0..500)
            .map(|i| PathBuf::from(format!("cohort-{}/student-{i}.m4a", i % 7)))
            .collect();
        let n = 8;
        let mut counts = vec![0usize; n as usize];
        for p in &paths {
            let owners: Vec<u32> = (1..=n).filter(|&k| Shard { k, n }.owns(p)).collect();
            assert_eq!(owners.len(), 1, "{p:?}");
            counts[(owners[0] - 1) as usize] += 1;
        }
        // Balanced enough for a cohort: no shard gets twice its share.
        assert!(counts.iter().all(|&c| c > 30 && c < 125), "{counts:?}");
    }

    #[test]
    fn parses_and_rejects() {
        assert_eq!("3/8".parse::<Shard>(), Ok(Shard { k: 3, n: 8 }));
        for bad in ["0/8", "9/8", "3", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
