import AMECLI

await AMEMain.main()
