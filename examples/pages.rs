//! Write every page of one or more batches as a PNG, in scan order, using
//! sohoa's own decoder. The benchmarks feed these to the plain `tesseract`
//! command so that every tool reads the same page images.
//!
//!     cargo run --release --example pages -- OUT_DIR BATCH_DIR...

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let out = args.next().ok_or("usage: pages OUT_DIR BATCH_DIR...")?;
    std::fs::create_dir_all(&out)?;
    for batch in args {
        let name = batch
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for original in sohoa::ingest::open_all(std::slice::from_ref(&batch), &Default::default())?
        {
            for i in 0..original.pages.len() {
                let page = sohoa::ingest::decode_page(&original, i, &Default::default())?;
                let png = page.pix.to_png().ok_or("PNG encoding failed")?;
                let stem = original
                    .name
                    .rsplit_once('.')
                    .map(|(s, _)| s)
                    .unwrap_or(&original.name);
                std::fs::write(out.join(format!("{name}__{stem}__p{:03}.png", i + 1)), png)?;
            }
        }
    }
    Ok(())
}
