-- pgevents.append, 1 event: writers spread over 1,000 categories (mdbc0..mdbc999), 10,000 streams.
\set s random(0, 9999)
\set k :s % 1000
SELECT * FROM pgevents.append('mdbc' || :k, 's' || :s, '[{"name":"OrderConfirmed","payload":{"order_id":"0b7c6f1e-3d4a-4f5b-9c2d-1e2f3a4b5c6d","customer":"customer-04217","amount":73518,"currency":"EUR","status":"confirmed","lines":[{"sku":"SKU-0421","qty":3,"price":1999}],"note":"written by pgbench"},"metadata":{"correlation_id":"5f0e8a2b-7c1d-4e3f-8a9b-0c1d2e3f4a5b","causation_id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","user":"user-0042","source":"pgbench"}}]', NULL, 'stream');
