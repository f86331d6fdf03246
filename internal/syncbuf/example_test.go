package syncbuf_test

import (
	"fmt"
	"sync"

	"github.com/edqm/edqm/internal/syncbuf"
)

func Example() {
	var b syncbuf.Buffer
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { fmt.Fprint(&b, "x") })
	}
	wg.Wait()
	fmt.Println(b.String(), len(b.Bytes()))
	// Output: xxx 3
}
