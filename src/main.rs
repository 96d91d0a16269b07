//! The `certseal` command line.
fn main() {
    println!("certseal");
}
