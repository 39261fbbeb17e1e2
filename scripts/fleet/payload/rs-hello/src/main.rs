fn main() {
    let mut buf = itoa::Buffer::new();
    println!("hello from rust {}", buf.format(42u8));
}
