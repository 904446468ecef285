// The testing entry point (nestjs-openfga/testing): filled by the testing-fake work.
export {};
