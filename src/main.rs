fn main() {
    println!("tinyproxy {}", tinyproxy_rs::TINYPROXY_VERSION);
}
