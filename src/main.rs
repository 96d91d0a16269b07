//! The `certseal` command line. Everything lives in `cli/`: one file per subcommand, each a
//! plain clap struct resolved into a plan, then one library call whose result is printed.
#![forbid(unsafe_code)]

mod cli;

// The binary's allocator with feature `mimalloc` (opt-in; specs/registry.md, "Measurements",
// 2026-11-30 `alloc9e`); glibc's otherwise. The library sets none: its users choose theirs.
// `certseal speed` signs its bare baseline in this same process, under the same allocator, so
// its ratios compare like with like.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
