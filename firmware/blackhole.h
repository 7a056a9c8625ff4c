#error "blackhole firmware: not yet"
