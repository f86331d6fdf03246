package s3test

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill versitygw when the test process
// dies, so that an interrupted test leaves no server behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
