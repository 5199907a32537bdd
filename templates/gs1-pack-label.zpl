^XA
^CI28
^LH0,0
^FO24,24^BXN,6,200,,,,_,1^FD{datamatrix}^FS
^FO230,28^A0N,28,28^FDPC: {gtin}^FS
^FO230,64^A0N,28,28^FDSN: {serial}^FS
^FO230,100^A0N,28,28^FDLot: {batch}^FS
^FO230,136^A0N,28,28^FDExp: {expiry_date}^FS
^XZ
