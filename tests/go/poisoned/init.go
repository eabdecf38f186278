package poisoned

import (
	"fmt"
	"os"
	"syscall"
)

// InitEnv names the environment variable that makes this package's init()
// try a guarded operation: mkdir of the path it holds. Unset (the normal
// case), init does nothing. The enforcement tests set it to check that code
// running in a confined module's init() is confined too.
const InitEnv = "BPFJAIL_TEST_POISONED_INIT_MKDIR"

func init() {
	path := os.Getenv(InitEnv)
	if path == "" {
		return
	}
	err := syscall.Mkdir(path, 0o755)
	en, _ := err.(syscall.Errno)
	fmt.Printf("poisoned-init: mkdir %s: errno=%d\n", path, int(en))
}
