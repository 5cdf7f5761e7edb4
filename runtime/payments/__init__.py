"""Taking payments: one provider interface, providers behind it (sandbox, GOV.UK Pay, Stripe),
and the service that moves payment attempts one way through their states."""
