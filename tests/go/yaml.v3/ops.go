package yaml

import (
	"os"
	"syscall"
)

// OpenRead opens path read-only and closes it. Its symbol is
// "example.com/yaml%2ev3.OpenRead": the enforcement tests confine
// example.com/yaml.v3 and expect this open to be denied and logged with
// module=example.com/yaml.v3.
//
//go:noinline
func OpenRead(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// ExecSys replaces the process with prog (execve alone: no fork, no
// /dev/null). The YAML policy test grants this module exec and nothing else.
//
//go:noinline
func ExecSys(prog string, args ...string) error {
	return syscall.Exec(prog, append([]string{prog}, args...), os.Environ())
}
