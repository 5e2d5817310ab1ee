package memstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/pgeventstest"
)

// account is a bank account's state, folded from its stream.
type account struct {
	balance  int64
	position *int64 // latest position; nil for a new account
}

type amountPayload struct {
	Amount int64 `json:"amount"`
}

// loadAccount folds the events of an account's stream.
func loadAccount(ctx context.Context, stream *pgevents.Stream) (account, error) {
	var acc account
	for e, err := range stream.Events(ctx, nil) {
		if err != nil {
			return account{}, err
		}
		var p amountPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return account{}, err
		}
		switch e.Name {
		case "Deposited":
			acc.balance += p.Amount
		case "Withdrawn":
			acc.balance -= p.Amount
		}
		acc.position = &e.Position
	}
	return acc, nil
}

var errInsufficientFunds = errors.New("insufficient funds")

// withdraw is the command handler under test: it decides on the account's
// current state and appends only if no one else wrote to the account in the
// meantime (ExpectedPosition), retrying on fresh state if someone did.
func withdraw(ctx context.Context, client *pgevents.Client, id string, amount int64) error {
	return pgevents.RetryOnConditionFailed(ctx, 3, func(ctx context.Context) error {
		stream := client.Stream("account", id)
		acc, err := loadAccount(ctx, stream)
		if err != nil {
			return err
		}
		if acc.balance < amount {
			return fmt.Errorf("%w: balance %d, withdrawal %d", errInsufficientFunds, acc.balance, amount)
		}
		payload, err := json.Marshal(amountPayload{Amount: amount})
		if err != nil {
			return err
		}
		_, err = stream.Append(ctx, []pgevents.NewEvent{{Name: "Withdrawn", Payload: payload}},
			&pgevents.AppendOpts{Condition: pgevents.ExpectedPosition(acc.position)})
		return err
	})
}

// Example_domainUnitTest demonstrates a unit test of a command handler run
// against memstore instead of PostgreSQL: given some events, when the
// command runs, then the stream holds the expected events. The handler only
// sees a pgevents.Client, so production code passes one over pgstore.
func Example_domainUnitTest() {
	ctx := context.Background()
	client := pgevents.NewClient(memstore.New(nil))

	// Given an account with 100 deposited (built with the testing kit).
	deposited := pgeventstest.NewEventBuilder().WithName("Deposited").WithPayload(amountPayload{Amount: 100})
	_, err := client.Stream("account", "acc-1").Append(ctx,
		[]pgevents.NewEvent{deposited.Build()},
		&pgevents.AppendOpts{Condition: pgevents.StreamIsEmpty()})
	if err != nil {
		panic(err)
	}

	// When withdrawing 30, then 100.
	fmt.Println("withdraw 30:", withdraw(ctx, client, "acc-1", 30))
	err = withdraw(ctx, client, "acc-1", 100)
	fmt.Println("withdraw 100:", err, errors.Is(err, errInsufficientFunds))

	// Then the stream holds the deposit and one withdrawal. Payloads come
	// back in jsonb's text form, as from PostgreSQL.
	events, err := client.Stream("account", "acc-1").Read(ctx, nil)
	if err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Println(e.Position, e.Name, string(e.Payload))
	}
	// Output:
	// withdraw 30: <nil>
	// withdraw 100: insufficient funds: balance 70, withdrawal 100 true
	// 0 Deposited {"amount": 100}
	// 1 Withdrawn {"amount": 30}
}

// ExampleConfig_conditions demonstrates registering a custom write condition
// type, the in-memory counterpart of pgevents.register_condition_type: here
// "not_closed", met unless the stream's latest event is named "Closed".
func ExampleConfig_conditions() {
	ctx := context.Background()
	store := memstore.New(&memstore.Config{Conditions: map[string]memstore.ConditionFunc{
		"not_closed": func(category, stream string, latest *pgevents.Event, c pgevents.Condition) (bool, error) {
			return latest == nil || latest.Name != "Closed", nil
		},
	}})
	stream := pgevents.NewClient(store).Stream("account", "acc-1")
	notClosed := &pgevents.AppendOpts{Condition: pgevents.Custom("not_closed", nil)}

	_, err := stream.Append(ctx, []pgevents.NewEvent{{Name: "Opened"}, {Name: "Closed"}}, notClosed)
	fmt.Println("open and close:", err)

	_, err = stream.Append(ctx, []pgevents.NewEvent{{Name: "Deposited"}}, notClosed)
	var ce *pgevents.ConditionError
	if errors.As(err, &ce) {
		fmt.Println("deposit refused:", ce.Code == pgevents.CodeCustomConditionFailed, ce.Condition.Type, *ce.Position)
	}

	_, err = stream.Append(ctx, []pgevents.NewEvent{{Name: "Deposited"}},
		&pgevents.AppendOpts{Condition: pgevents.Custom("not_registered", nil)})
	fmt.Println("unregistered type:", errors.Is(err, pgevents.ErrInvalidInput))
	// Output:
	// open and close: <nil>
	// deposit refused: true not_closed 1
	// unregistered type: true
}
