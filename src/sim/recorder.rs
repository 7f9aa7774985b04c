//! Writes each call's PCM (from the audio port) to `<--audio-dir>/call-<n>.wav`: the RIFF
//! header first, samples appended as they come, the header's sizes brought up to date after
//! every write so the file is a valid WAV at any moment (a test may read it mid-call).

use super::media;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::PathBuf;

#[derive(Debug, Default)]
pub(super) struct Recorder {
    dir: Option<PathBuf>,
    open: HashMap<u32, (File, u32)>,
}

impl Recorder {
    pub(super) fn new(dir: Option<PathBuf>) -> Recorder {
        Recorder {
            dir,
            open: HashMap::new(),
        }
    }

    /// Appends PCM to call `id`'s file, creating it on the first write.
    pub(super) fn append(&mut self, id: u32, pcm: &[u8]) {
        let Some(dir) = &self.dir else { return };
        if let Err(e) = Self::write(&mut self.open, dir, id, pcm) {
            tracing::warn!(error = %e, call = id, "simulated modem: cannot record the call");
        }
    }

    fn write(
        open: &mut HashMap<u32, (File, u32)>,
        dir: &std::path::Path,
        id: u32,
        pcm: &[u8],
    ) -> io::Result<()> {
        let (file, len) = match open.entry(id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                std::fs::create_dir_all(dir)?;
                let mut file = File::create(media::wav_path(dir, id))?;
                file.write_all(&media::wav_header(0))?;
                e.insert((file, 0))
            }
        };
        file.seek(SeekFrom::End(0))?;
        file.write_all(pcm)?;
        *len = len.saturating_add(u32::try_from(pcm.len()).unwrap_or(u32::MAX));
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&media::wav_header(*len))?;
        Ok(())
    }

    /// The call is over: its file is complete.
    pub(super) fn close(&mut self, id: u32) {
        self.open.remove(&id);
    }
}
