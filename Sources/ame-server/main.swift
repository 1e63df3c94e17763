import AMEServer

await ServerCommand.start()
