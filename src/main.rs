use std::process::ExitCode;

fn main() -> ExitCode {
    blankett::cli::main()
}
