//! The `certseal` command line. Everything lives in `cli/`: one file per subcommand, each a
//! plain clap struct resolved into a plan, then one library call whose result is printed.
#![forbid(unsafe_code)]

mod cli;

// The binary's allocator (feature `mimalloc`, on by default; specs/registry.md, "Measurements",
// 2026-11-30 `alloc9e`): bulk issuance allocates and frees a few dozen small blocks a record
// on four threads, where mimalloc's thread-local free lists cost less CPU than glibc's arenas.
// The library sets none: its users choose theirs. `certseal speed` signs its bare baseline in
// this same process, so its ratios compare like with like.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
