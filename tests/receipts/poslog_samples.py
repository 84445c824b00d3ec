"""POSLog test inputs: a 6.x-style export, hostile XML, a truncated file."""

POSLOG_6 = """<?xml version="1.0" encoding="UTF-8"?>
<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/" xmlns:x="urn:vendor" MajorVersion="6">
  <Transaction>
    <RetailStoreID>paris-marais</RetailStoreID>
    <WorkstationID WorkstationTypeCode="POS">R2</WorkstationID>
    <SequenceNumber>5001</SequenceNumber>
    <BusinessDayDate>2026-11-23</BusinessDayDate>
    <EndDateTime>2026-11-23T14:05:09+01:00</EndDateTime>
    <CurrencyCode>EUR</CurrencyCode>
    <RetailTransaction TransactionStatus="Finished">
      <LineItem><SequenceNumber>1</SequenceNumber>
        <Sale><ItemID>{ean}</ItemID><Description>Robe midi</Description>
          <UnitListPrice>139.00</UnitListPrice><ActualSalesUnitPrice>129.00</ActualSalesUnitPrice>
          <ExtendedAmount>258.00</ExtendedAmount><Quantity>2</Quantity></Sale></LineItem>
      <LineItem VoidFlag="true"><Sale><ItemID>VOIDED-1</ItemID><ExtendedAmount>5</ExtendedAmount></Sale></LineItem>
      <LineItem><Return><ItemID>RM-1001-S-BLK</ItemID><RegularSalesUnitPrice>129.00</RegularSalesUnitPrice>
          <ExtendedAmount>129.00</ExtendedAmount><Quantity>1</Quantity></Return></LineItem>
      <LineItem><Tender TenderType="CreditDebit"><Amount>100.00</Amount>
          <CreditDebit><PrimaryAccountNumber>************4242</PrimaryAccountNumber></CreditDebit></Tender></LineItem>
      <LineItem><Tender TenderType="Cash"><Amount>50.00</Amount><TenderChange><Amount>21.00</Amount></TenderChange></Tender></LineItem>
      <LineItem><x:Vendor note="ignored"/></LineItem>
      <LoyaltyAccount><CustomerID>LOY-778899</CustomerID></LoyaltyAccount>
      <Total TotalType="TransactionGrandAmount">129.00</Total>
      <Total TotalType="TransactionTaxAmount">21.50</Total>
    </RetailTransaction>
  </Transaction>
  <Transaction>
    <RetailStoreID>paris-marais</RetailStoreID><WorkstationID>R2</WorkstationID>
    <SequenceNumber>5002</SequenceNumber><BusinessDayDate>2026-11-23</BusinessDayDate>
    <EndDateTime>2026-11-23T14:07:00+01:00</EndDateTime>
    <RetailTransaction TransactionStatus="Voided">
      <LineItem><Sale><ItemID>{ean}</ItemID><ExtendedAmount>129.00</ExtendedAmount></Sale></LineItem>
      <Total TotalType="TransactionGrandAmount">129.00</Total>
    </RetailTransaction>
  </Transaction>
  <Transaction CancelFlag="true">
    <WorkstationID>R2</WorkstationID><SequenceNumber>5003</SequenceNumber>
    <EndDateTime>2026-11-23T14:08:00+01:00</EndDateTime>
    <RetailTransaction>
      <LineItem><Sale><ItemID>{ean}</ItemID><ExtendedAmount>129.00</ExtendedAmount></Sale></LineItem>
    </RetailTransaction>
  </Transaction>
</POSLog>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE POSLog [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
""" + "".join(
    f' <!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">\n' for i in range(9)
) + """]>
<POSLog><Transaction><RetailTransaction><LineItem><Sale><Description>&j;</Description></Sale></LineItem></RetailTransaction></Transaction></POSLog>
"""

QUADRATIC = ('<?xml version="1.0"?>\n<!DOCTYPE POSLog [<!ENTITY big "' + "x" * 100_000 + '">]>\n'
             "<POSLog><Description>" + "&big;" * 20_000 + "</Description></POSLog>\n")

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE POSLog [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<POSLog><Transaction><RetailTransaction><LineItem><Sale><Description>&secret;</Description></Sale></LineItem></RetailTransaction></Transaction></POSLog>
"""

TRUNCATED = """<?xml version="1.0"?>
<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/">
  <Transaction>
    <WorkstationID>R9</WorkstationID>
    <SequenceNumber>1</SequenceNumber>
    <RetailTransaction>
      <LineItem><Sale><ItemID>X</Ite"""
