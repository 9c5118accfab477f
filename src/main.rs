// mimalloc: the token paths allocate many small short-lived objects (Biscuit
// builders, protobuf, symbol tables, JSON), which it serves from per-thread
// free lists.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    gatehouse::cli::main()
}
