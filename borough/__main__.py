from borough.cli import main

raise SystemExit(main())
