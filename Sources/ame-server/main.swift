import AMEServer

await ServerCommand.main()
