//! `certseal export --out DIR`: the registry's issued certificates as files — each signed
//! document (`<identifier>.cbor`) and `qr.txt` (`identifier<TAB>status<TAB>payload` a line).
//! Issuance writes only to the store; files are made from it afterwards.

use std::io::Write;
use std::path::PathBuf;

use super::registry::DbFlags;
use super::{CliError, CliResult, Outcome};

/// `certseal export [--db F] --out DIR`
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    db: DbFlags,
    /// Directory for the files.
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn exec(args: Args, out: &mut dyn Write) -> CliResult {
    super::make_dir(&args.out)?;
    let qr_path = args.out.join("qr.txt");
    let file = std::fs::File::create(&qr_path)
        .map_err(|e| CliError::Failed(format!("{}: {e}", qr_path.display())))?;
    let mut qr = std::io::BufWriter::new(file);
    let mut n = 0u64;
    let mut registry = args.db.open()?;
    registry.each_certificate(|c| {
        let path = args.out.join(format!("{}.cbor", c.identifier));
        std::fs::write(&path, &c.document).map_err(|e| certseal::Error::io(&path, e))?;
        writeln!(qr, "{}\t{}\t{}", c.identifier, c.status_index, c.qr)
            .map_err(|e| certseal::Error::io(&qr_path, e))?;
        n = n.saturating_add(1);
        Ok(())
    })?;
    qr.flush()
        .map_err(|e| CliError::Failed(format!("{}: {e}", qr_path.display())))?;
    writeln!(
        out,
        "exported {n} certificates: documents and {} in {}",
        qr_path.display(),
        args.out.display()
    )?;
    Ok(Outcome::Ok)
}
