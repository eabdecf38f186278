package yaml

import "os"

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
