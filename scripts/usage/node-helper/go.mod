module boxfleet.dev/usage-helper

go 1.24
