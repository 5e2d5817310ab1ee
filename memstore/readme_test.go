package memstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/pgeventstest"
)

// TestWithdraw is the README's "Testing your code" snippet: a domain unit
// test against memstore, asserting on the stream with pgeventstest.
func TestWithdraw(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	client := pgevents.NewClient(store)
	_, err := client.Stream("account", "acc-1").Append(ctx, []pgevents.NewEvent{
		pgeventstest.NewEventBuilder().WithName("Deposited").WithPayload(amountPayload{Amount: 100}).Build(),
	}, nil)
	require.NoError(t, err)

	require.NoError(t, withdraw(ctx, client, "acc-1", 30))
	require.ErrorIs(t, withdraw(ctx, client, "acc-1", 100), errInsufficientFunds)

	pgeventstest.RequireStream(ctx, t, store, "account", "acc-1",
		pgeventstest.Expect(
			pgevents.NewEvent{Name: "Deposited", Payload: json.RawMessage(`{"amount": 100}`)},
			pgevents.NewEvent{Name: "Withdrawn", Payload: json.RawMessage(`{"amount": 30}`)},
		)...)
}
