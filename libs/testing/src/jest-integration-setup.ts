// Integration tests talk to real servers over the network: give each test a minute.
jest.setTimeout(60_000);
