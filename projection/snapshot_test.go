package projection

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNew_Version(t *testing.T) {
	t.Parallel()
	p, err := New[struct{ N int }, struct{}](&Config[struct{ N int }, struct{}]{Name: "n"})
	require.NoError(t, err)
	require.Equal(t, 1, p.Version(), "defaults to 1")
	p, err = New(&Config[struct{ N int }, struct{}]{Name: "n", Version: 7})
	require.NoError(t, err)
	require.Equal(t, 7, p.Version())
	_, err = New(&Config[struct{ N int }, struct{}]{Name: "n", Version: -1})
	require.ErrorContains(t, err, "Version must not be negative")
}

func TestSnapshotter_Policy(t *testing.T) {
	t.Parallel()
	p, err := New[struct{ N int }, struct{}](&Config[struct{ N int }, struct{}]{Name: "n"})
	require.NoError(t, err)
	_, err = NewSnapshotter(p, nil, &SnapshotPolicy{Every: -1})
	require.Error(t, err)

	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	fresh := &Snapshot{CreatedAt: now.Add(-time.Minute)}
	old := &Snapshot{CreatedAt: now.Add(-time.Hour)}
	for _, c := range []struct {
		name   string
		policy *SnapshotPolicy
		res    Loaded[struct{ N int }, struct{}]
		want   bool
	}{
		{"NoPolicy", nil, Loaded[struct{ N int }, struct{}]{Folded: 1000}, false},
		{"EveryReached", &SnapshotPolicy{Every: 10}, Loaded[struct{ N int }, struct{}]{Folded: 10, Snapshot: fresh}, true},
		{"EveryNotReached", &SnapshotPolicy{Every: 10}, Loaded[struct{ N int }, struct{}]{Folded: 9}, false},
		{"NothingFolded", &SnapshotPolicy{Every: 1, MaxAge: time.Second}, Loaded[struct{ N int }, struct{}]{Snapshot: old}, false},
		{"AgeReached", &SnapshotPolicy{MaxAge: 30 * time.Minute}, Loaded[struct{ N int }, struct{}]{Folded: 1, Snapshot: old}, true},
		{"AgeNotReached", &SnapshotPolicy{MaxAge: 30 * time.Minute}, Loaded[struct{ N int }, struct{}]{Folded: 1, Snapshot: fresh}, false},
		{"AgeNoSnapshotYet", &SnapshotPolicy{MaxAge: 30 * time.Minute}, Loaded[struct{ N int }, struct{}]{Folded: 1}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := NewSnapshotter(p, nil, c.policy)
			require.NoError(t, err)
			s.now = func() time.Time { return now }
			require.Equal(t, c.want, s.due(&c.res))
		})
	}
}
