//! The `certseal` command line. Everything lives in `cli/`: one file per subcommand, each a
//! plain clap struct resolved into a plan, then one library call whose result is printed.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
