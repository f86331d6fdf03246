package sftest

import (
	"context"
	"errors"
	"log/slog"
)

// openDefaultEngine opens the default engine. Until package sfsql exists
// there is none: [Options.Engine] must be set.
func openDefaultEngine(_ context.Context, _ string, _ *S3Options, _ *slog.Logger) (Engine, error) {
	return nil, errors.New("no default engine yet: set Options.Engine")
}
